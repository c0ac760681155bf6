import type { IDataObject, INodeExecutionData, IPollFunctions } from 'n8n-workflow';

import { envelopeData } from '../../ChatGroup/shared/itemHook';
import { announcementPath } from '../../ChatGroup/shared/paths';
import { agoraRequest } from '../../ChatGroup/shared/sendAndJudge';
import { readAnnouncementState, TriggerState } from '../pollState';
import type { PollTarget } from '../pollState';

async function readAnnouncement(context: IPollFunctions, groupId: string): Promise<string> {
	const response = await agoraRequest(
		context,
		{ method: 'GET', url: announcementPath(groupId) },
		{ about: { resource: 'announcement', operation: 'get', groupId } },
	);
	const data = envelopeData(response.body) as IDataObject | undefined;
	return typeof data?.announcement === 'string' ? data.announcement : '';
}

/**
 * One GET. The first poll records the text and emits nothing; later polls emit when the text
 * differs from the one recorded, which then becomes the one compared with.
 */
export async function pollAnnouncementChanged(this: IPollFunctions, { groupId, subject, turn }: PollTarget): Promise<INodeExecutionData[][] | null> {
	const announcement = await readAnnouncement(this, groupId);
	const state = new TriggerState(this, subject, readAnnouncementState);
	const recorded = state.recorded();

	if (this.getMode() === 'manual') {
		return [[{ json: { groupId, announcement, previous: recorded?.announcement ?? null } }]];
	}
	// A poll taken to be lost while it ran changes nothing: the one that took over moves on.
	if (turn?.current === false) return null;
	if (!recorded) {
		state.recordFirst({ subject, announcement });
		return null;
	}
	if (recorded.announcement === announcement) {
		if (state.onlyInCopy) state.moveOn(recorded);
		return null;
	}
	state.moveOn({ subject, announcement });
	return [[{ json: { groupId, announcement, previous: recorded.announcement } }]];
}

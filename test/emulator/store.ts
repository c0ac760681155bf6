/** Groups with their announcement and shared files, in memory. */
import { createHash, randomUUID } from 'crypto';

import type { NewFile, NewGroup, StoredFile } from './types';

interface FileRecord extends StoredFile {
	/** Insertion order: breaks ties between files created in the same millisecond. */
	sequence: number;
	/** Computed on first use; GET /_emulator/state may ask for 10,000 of them. */
	sha256?: string;
}

export interface GroupRecord {
	groupId: string;
	groupName: string;
	owner: string;
	members: number;
	/** ms on the emulator clock; announcement changes and file uploads move it. */
	lastModified: number;
	announcement: string;
	files: Map<string, FileRecord>;
}

export const DEFAULT_FILE_TYPE = 'application/octet-stream';

/** The owner the service shows for uploads made with an app token. */
export const APP_ADMIN_OWNER = '@ppAdmin';

// Node refuses header values with control characters; a stored type ends up in Content-Type.
function usableContentType(contentType: string | undefined): string {
	return contentType && /^[\x20-\x7e]+$/.test(contentType) ? contentType : DEFAULT_FILE_TYPE;
}

export class GroupStore {
	private readonly groups = new Map<string, GroupRecord>();
	private nextSequence = 0;

	/** Creates the group if needed (kept in creation order); sets what is given. */
	createGroup(groupId: string, options: NewGroup, now: number): GroupRecord {
		let group = this.groups.get(groupId);
		if (!group) {
			group = { groupId, groupName: groupId, owner: 'admin', members: 1, lastModified: now, announcement: '', files: new Map() };
			this.groups.set(groupId, group);
		}
		if (options.announcement !== undefined) group.announcement = options.announcement;
		if (options.groupName !== undefined) group.groupName = options.groupName;
		if (options.owner !== undefined) group.owner = options.owner;
		if (options.members !== undefined) group.members = options.members;
		return group;
	}

	find(groupId: string): GroupRecord | undefined {
		return this.groups.get(groupId);
	}

	allGroups(): GroupRecord[] {
		return [...this.groups.values()];
	}

	addFile(group: GroupRecord, file: NewFile & { created: number }): StoredFile {
		const record: FileRecord = {
			fileId: file.fileId ?? randomUUID(),
			fileName: file.fileName,
			fileSize: file.bytes.length,
			contentType: usableContentType(file.contentType),
			owner: file.owner ?? APP_ADMIN_OWNER,
			created: file.created,
			bytes: file.bytes,
			sequence: this.nextSequence++,
		};
		group.files.set(record.fileId, record);
		return record;
	}

	/** Newest first: created descending, later uploads first within the same millisecond. */
	filesNewestFirst(group: GroupRecord, isExpired: (file: StoredFile) => boolean): StoredFile[] {
		return [...group.files.values()]
			.filter((file) => !isExpired(file))
			.sort((a, b) => b.created - a.created || b.sequence - a.sequence);
	}

	/** The group and all its files. */
	removeGroup(groupId: string): void {
		this.groups.delete(groupId);
	}

	removeFile(group: GroupRecord, fileId: string): void {
		group.files.delete(fileId);
	}

	sha256Of(file: StoredFile): string {
		const record = file as FileRecord;
		record.sha256 ??= createHash('sha256').update(record.bytes).digest('hex');
		return record.sha256;
	}

	clear(): void {
		this.groups.clear();
		this.nextSequence = 0;
	}
}

/** A copy for callers, so they cannot reorder or rename stored files by accident. */
export function publicFile(file: StoredFile): StoredFile {
	const { fileId, fileName, fileSize, contentType, owner, created, bytes } = file;
	return { fileId, fileName, fileSize, contentType, owner, created, bytes };
}

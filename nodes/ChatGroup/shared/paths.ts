/**
 * Request paths below the app (`https://{host}/{org}/{app}`), built in code. Every id goes in
 * through `pathSegment`, so no caller can forget to encode it or let "." / ".." through.
 */
import { pathSegment } from './identifiers';

export function groupPath(groupId: string): string {
	return `/chatgroups/${pathSegment(groupId, 'Group ID')}`;
}

export function announcementPath(groupId: string): string {
	return `${groupPath(groupId)}/announcement`;
}

export function sharedFilesPath(groupId: string): string {
	return `${groupPath(groupId)}/share_files`;
}

export function sharedFilePath(groupId: string, fileId: string): string {
	return `${sharedFilesPath(groupId)}/${pathSegment(fileId, 'File ID')}`;
}

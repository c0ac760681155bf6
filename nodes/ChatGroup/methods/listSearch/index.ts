export { searchFiles } from './searchFiles';
export { searchGroups } from './searchGroups';

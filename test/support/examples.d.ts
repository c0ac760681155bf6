import type { WorkflowFile } from './engine';

export declare const EXAMPLES: readonly ['morning-announcement', 'sync-files', 'clean-up-old-files'];
export type ExampleName = (typeof EXAMPLES)[number];
/** EXAMPLES start from a schedule and run manually; save-new-files starts from the trigger, agent-announcement from a chat (e2e only). */
export declare function loadExample(name: ExampleName | 'save-new-files' | 'agent-announcement'): WorkflowFile;
export declare function prepareExample(workflow: WorkflowFile, settings?: Record<string, string | number>, nodeType?: string): WorkflowFile;
export declare const EXAMPLE_BASE_NODES: readonly string[];

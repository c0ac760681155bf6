/** The one folder n8n's file nodes may use in tests and the demo. */
export declare const filesFolder: string;

import type { INodeProperties } from 'n8n-workflow';

/** n8n merges these (defaults as DEFAULT_RETRY_POLICY in retryPolicy.ts) into the Request Options it gives every declarative node (timeout, batching, proxy). */
export const retryOptions: INodeProperties = {
	displayName: 'Request Options',
	name: 'requestOptions',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [
		{
			displayName: 'Max Retries',
			name: 'maxRetries',
			type: 'number',
			typeOptions: { minValue: 0, maxValue: 10 },
			default: 4,
			description:
				'How often to retry a request the service could not serve for now (HTTP 5xx, lost connection, timeout). Waits grow exponentially. Refusals for speed (429 reach limit) slow the node down and are retried without counting here.',
		},
		{
			displayName: 'Max Total Retry Wait (Seconds)',
			name: 'maxRetryWaitSeconds',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 60,
			description:
				'How long after an item\'s first attempt a retry may still begin (wall time: slow attempts and the item\'s look-ups, such as an upload\'s search for its file, count too). Every retry ends within it.',
		},
	],
};

// n8n-core's logger prints every node error to the console; tests assert errors instead.
process.env.N8N_LOG_LEVEL = 'silent';

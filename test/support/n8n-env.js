// n8n-core reads its settings from the environment when it first uses them: set them before it
// loads (jest's setupFiles, or the first import of the demo). Quiet logs, and files only in a
// temporary folder of our own.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const filesFolder = path.join(os.tmpdir(), 'n8n-nodes-agora-chat', 'files');
const userFolder = path.join(os.tmpdir(), 'n8n-nodes-agora-chat', 'user');
fs.mkdirSync(filesFolder, { recursive: true });
fs.mkdirSync(userFolder, { recursive: true });

process.env.N8N_LOG_LEVEL = process.env.N8N_LOG_LEVEL || 'silent';
process.env.N8N_RESTRICT_FILE_ACCESS_TO = filesFolder;
process.env.N8N_USER_FOLDER = userFolder;

module.exports = { filesFolder };

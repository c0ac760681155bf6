/**
 * Starts the Agora Chat emulator on its own, for demos and out-of-process end-to-end runs:
 *   npx ts-node --transpile-only test/emulator/cli.ts --port 4100 [--seed-demo]
 * Flags: --port (4100) --host (127.0.0.1) --org --app --app-token --app-id --app-certificate
 *        --client-id --client-secret --rate-limit --rate-limit-mode --public-url --seed-demo --help
 */
import { argv, onSignal, print, printError, setExitCode } from '../support/node';
import { AgoraChatEmulator, type EmulatorStartOptions } from './server';

const USAGE = `Usage: ts-node --transpile-only test/emulator/cli.ts [options]
  --port <n>               port to listen on (default 4100; 0 picks a free one)
  --host <address>         address to bind (default 127.0.0.1)
  --org <name>             organization name (default demo-org)
  --app <name>             app name (default demo-app)
  --app-token <token>      static app token to accept (default emulator-app-token)
  --app-id <hex32>         Agora App ID: accept AccessToken2 chat app tokens ...
  --app-certificate <hex32>  ... signed with this App Certificate
  --client-id <id>         client_id of POST /{org}/{app}/token
  --client-secret <secret> client_secret of POST /{org}/{app}/token
  --rate-limit <n>         requests per second per app (default 100, 0 = off)
  --rate-limit-mode <mode> window (default: at most n within any second) or
                           tokenBucket (n tokens, refilled at n per second)
  --public-url <url>       base URL written into answers (default: the listening URL)
  --seed-demo              create group demo-group (announcement, three files) and team-updates`;

const VALUE_FLAGS = [
	'port',
	'host',
	'org',
	'app',
	'app-token',
	'app-id',
	'app-certificate',
	'client-id',
	'client-secret',
	'rate-limit',
	'rate-limit-mode',
	'public-url',
] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];

interface CliArguments {
	values: Partial<Record<ValueFlag, string>>;
	seedDemo: boolean;
	help: boolean;
}

/** Accepts `--flag value` and `--flag=value`. */
function parseArguments(args: string[]): CliArguments {
	const parsed: CliArguments = { values: {}, seedDemo: false, help: false };
	for (let index = 0; index < args.length; index++) {
		const argument = args[index];
		const [name, inlineValue] = argument.startsWith('--') ? argument.slice(2).split(/=(.*)/s, 2) : [argument];
		if (name === 'seed-demo') {
			parsed.seedDemo = true;
		} else if (name === 'help' || name === 'h' || argument === '-h') {
			parsed.help = true;
		} else if ((VALUE_FLAGS as readonly string[]).includes(name)) {
			const value = inlineValue ?? args[++index];
			if (value === undefined) throw new Error(`--${name} needs a value`);
			parsed.values[name as ValueFlag] = value;
		} else {
			throw new Error(`Unknown argument "${argument}"`);
		}
	}
	return parsed;
}

function whole(flag: string, value: string): number {
	if (!/^\d+$/.test(value)) throw new Error(`--${flag} must be a whole number, got "${value}"`);
	return Number(value);
}

function startOptions({ values }: CliArguments): EmulatorStartOptions {
	const options: EmulatorStartOptions = {
		port: whole('port', values.port ?? '4100'),
		host: values.host ?? '127.0.0.1',
	};
	if (values.org !== undefined) options.org = values.org;
	if (values.app !== undefined) options.app = values.app;
	if (values['app-token'] !== undefined) options.appTokens = [{ token: values['app-token'] }];
	if (values['app-id'] !== undefined) options.appId = values['app-id'];
	if (values['app-certificate'] !== undefined) options.appCertificate = values['app-certificate'];
	if (values['client-id'] !== undefined) options.clientId = values['client-id'];
	if (values['client-secret'] !== undefined) options.clientSecret = values['client-secret'];
	if (values['rate-limit'] !== undefined) options.rateLimitPerSecond = whole('rate-limit', values['rate-limit']);
	if (values['rate-limit-mode'] !== undefined) options.rateLimitMode = values['rate-limit-mode'] as EmulatorStartOptions['rateLimitMode'];
	if (values['public-url'] !== undefined) options.publicUrl = values['public-url'];
	return options;
}

/** The demo app: a group with an announcement and a few files (newest first: notes, agenda, welcome), and a second group. */
function seedDemo(emulator: AgoraChatEmulator): void {
	const groupId = 'demo-group';
	emulator.createGroup(groupId, {
		groupName: 'Demo group',
		owner: 'demo-owner',
		members: 3,
		announcement: 'Welcome to the demo group of the Agora Chat emulator.',
	});
	const hour = 60 * 60 * 1000;
	const now = emulator.now();
	emulator.addFile(groupId, {
		fileName: 'welcome.txt',
		bytes: Buffer.from('Hello from the Agora Chat emulator.\n'),
		contentType: 'text/plain',
		created: now - 3 * hour,
	});
	emulator.addFile(groupId, {
		fileName: 'agenda.json',
		bytes: Buffer.from('{"items":["introductions","roadmap","questions"]}\n'),
		contentType: 'application/json',
		created: now - 2 * hour,
	});
	emulator.addFile(groupId, {
		fileName: 'meeting notes 2026.md',
		bytes: Buffer.from('# Meeting notes\n\n- The node lists groups and files in the editor.\n'),
		contentType: 'text/markdown',
		created: now - hour,
	});
	emulator.createGroup('team-updates', { groupName: 'Team updates', owner: 'demo-owner', members: 5 });
}

async function main(): Promise<void> {
	const cli = parseArguments(argv());
	if (cli.help) {
		print(USAGE);
		return;
	}
	const emulator = await AgoraChatEmulator.start(startOptions(cli));
	if (cli.seedDemo) seedDemo(emulator);
	const { org, app } = emulator.config;
	print(`Agora Chat emulator listening on ${emulator.url} (org ${org}, app ${app})`);

	let stopping = false;
	const stop = () => {
		if (stopping) return;
		stopping = true;
		emulator.stop().then(
			() => setExitCode(0),
			(error: Error) => {
				printError(`Could not stop the emulator cleanly: ${error.message}`);
				setExitCode(1);
			},
		);
	};
	onSignal('SIGINT', stop);
	onSignal('SIGTERM', stop);
}

main().catch((error: Error) => {
	printError(`Agora Chat emulator: ${error.message}`);
	printError(USAGE);
	setExitCode(1);
});

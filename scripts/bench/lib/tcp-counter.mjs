// A loopback TCP relay that counts connections: put in front of the emulator, it shows whether a
// client opens one TCP connection per request or reuses them (the emulator's log has no client port).

import net from 'node:net';

export async function startCountingRelay(targetPort) {
	let connections = 0;
	const sockets = new Set();
	const server = net.createServer((client) => {
		connections++;
		const upstream = net.connect(targetPort, '127.0.0.1');
		for (const s of [client, upstream]) {
			sockets.add(s);
			s.on('close', () => sockets.delete(s));
			s.on('error', () => {
				client.destroy();
				upstream.destroy();
			});
		}
		client.pipe(upstream);
		upstream.pipe(client);
	});
	await new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', resolve);
	});
	return {
		url: `http://127.0.0.1:${server.address().port}`,
		count: () => connections,
		reset: () => {
			connections = 0;
		},
		stop: () => {
			for (const s of sockets) s.destroy();
			server.close();
		},
	};
}

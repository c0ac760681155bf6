/**
 * Types for the part of agora-token's AccessToken2 parser the emulator uses; the package's own
 * index.d.ts covers only the token builders. The double-underscore fields are the state
 * `from_string` fills in (src/AccessToken2.js, agora-token 2.0.6): they hold the signature and the
 * signed bytes, which no public method exposes, and the emulator needs both to check a token.
 */
declare module 'agora-token/src/AccessToken2' {
	export class Service {
		__privileges: Record<number, number>;
		service_type(): number;
		pack(): Buffer;
	}

	export class ServiceChat extends Service {
		static kPrivilegeUser: number;
		static kPrivilegeApp: number;
		constructor(userId?: string);
		add_privilege(privilege: number, expire: number): void;
	}

	export class AccessToken2 {
		constructor(appId?: string, appCertificate?: string, issueTs?: number, expire?: number);
		/** A Buffer after from_string, a string when built. */
		appId: string | Buffer;
		issueTs: number;
		expire: number;
		salt: number;
		services: Service[];
		__signature: Buffer;
		__signing_info: Buffer;
		add_service(service: Service): void;
		build(): string;
		/** false when the string is not a well-formed AccessToken2. */
		from_string(token: string): boolean;
	}

	export const kChatServiceType: number;
}

// What the masto.js tests share: the app listening on a real port (masto.js speaks HTTP and
// WebSocket), and signing up through masto.js as a client app does.
import { after, before } from 'node:test';
import { createOAuthAPIClient, createRestAPIClient, type mastodon } from 'masto';
import { startApp, type TestApp } from '@firebreak/testkit/app.js';

export const OOB = 'urn:ietf:wg:oauth:2.0:oob';

/** Starts the app for the file's tests (node:test hooks) and tells `listening` its URL. */
export function mastoServer(listening: (url: string) => void): { t: TestApp; url: string } {
  const server = {} as { t: TestApp; url: string };
  before(async () => {
    server.t = await startApp('pglite');
    await server.t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = server.t.app.server.address();
    server.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    // Entity URLs (Link headers, the streaming URL) must point at this server.
    server.t.ctx.config.publicUrl = server.url;
    server.t.ctx.config.domain = new URL(server.url).host;
    listening(server.url);
  });
  after(() => server.t.close());
  return server;
}

/** Signs up through `app` (an app token, then POST /api/v1/accounts) and returns a client for the new account. */
export async function signUp(url: string, app: mastodon.v1.Client, username: string): Promise<mastodon.rest.Client> {
  const appToken = await createOAuthAPIClient({ url }).token.create({ grantType: 'client_credentials', redirectUri: OOB, clientId: app.clientId!, clientSecret: app.clientSecret!, scope: 'read write follow' });
  const signup = createRestAPIClient({ url, accessToken: appToken.accessToken });
  const token = await signup.v1.accounts.create({ username, email: `${username}@example.test`, password: 'a good password', agreement: true, locale: 'en' });
  return createRestAPIClient({ url, accessToken: token.accessToken });
}

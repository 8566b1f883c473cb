// The web UI's first-party app. Its sessions are ordinary tokens of this app (stored hashed in
// `tokens`), handed to the browser only as an HttpOnly cookie. Its client secret is random and never
// shown, so no one can use this app through /oauth/token; it has no redirect URIs, so no one can
// authorize it through /oauth/authorize either.
export const WEB_CLIENT_ID = 'firebreak-web';

export const sql = /* sql */ `
insert into apps (name, website, redirect_uris, scopes, client_id, client_secret)
values ('Firebreak Web', null, '{}', '{read,write,follow}', '${WEB_CLIENT_ID}', md5(random()::text) || md5(gen_random_uuid()::text));
`;

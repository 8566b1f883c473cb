// The login limiter's shared counters (src/domain/login-attempts.ts), so that every app server in
// every data center counts the same guesses against an account.
// - login_failures: one row per counted attempt and counter key (`account:<login>`,
//   `pair:<login>|<address>`, `address:<address>`); rows older than the window are swept away.
// - login_trusted: addresses an account's owner has logged in from, and until when they count as theirs.
export const sql = /* sql */ `
create table login_failures (
  id bigserial primary key,
  key text not null,
  at timestamptz not null default now()
);
create index login_failures_key_at_idx on login_failures (key, at);
create index login_failures_at_idx on login_failures (at);

create table login_trusted (
  login text not null,
  address text not null,
  until timestamptz not null,
  primary key (login, address)
);
`;

// `firebreak admin <command>`: running the instance from the command line, against the database the
// server uses (DATABASE_URL, or the embedded one under FIREBREAK_DATA_DIR). Every change is written
// to the moderation audit log (as done by the command line).
//   create-owner --username NAME --email ADDRESS   the first account with every permission; prints its password once
//   set-role --username NAME --role user|moderator|admin|owner
//   registrations open|approval|closed [--reason-required] [--message TEXT]
//   rule add --text TEXT [--hint TEXT] | rule list | rule remove --id ID
import { parseArgs } from 'node:util';
import { loadConfig } from './config.js';
import { closeContext, createContext, type AppContext } from './context.js';
import { createOwner, setRoleByUsername } from './domain/moderation.js';
import { REGISTRATION_MODES, registrationSettings, setRegistrationSettings, type RegistrationMode } from './domain/registrations.js';
import { roleNamed } from './domain/roles.js';
import { addRule, listRules, removeRule, RULE_LIMITS } from './domain/rules.js';
import { ApiError } from './errors.js';

const USAGE = `usage: firebreak admin <command>
  create-owner --username NAME --email ADDRESS
  set-role --username NAME --role user|moderator|admin|owner
  registrations [open|approval|closed] [--reason-required|--no-reason-required] [--message TEXT]
  rule add --text TEXT [--hint TEXT] | rule list | rule remove --id ID`;

const out = (line: string) => process.stdout.write(`${line}\n`);

async function run(ctx: AppContext, command: string | undefined, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, strict: true,
    options: {
      username: { type: 'string' }, email: { type: 'string' }, role: { type: 'string' }, text: { type: 'string' }, hint: { type: 'string' },
      id: { type: 'string' }, message: { type: 'string' }, 'reason-required': { type: 'boolean' }, 'no-reason-required': { type: 'boolean' },
    },
  });
  switch (command) {
    case 'create-owner': {
      if (!values.username || !values.email) break;
      const { account, password } = await createOwner(ctx, values.username, values.email);
      out(password
        ? `created @${account.username} (id ${account.id}) with the Owner role\npassword: ${password}\n(shown once: sign in and change it in the web UI's settings)`
        : `@${account.username} (id ${account.id}) already existed and now has the Owner role`);
      return 0;
    }
    case 'set-role': {
      const role = values.role ? roleNamed(values.role) : undefined;
      if (!values.username || !role) break;
      const account = await setRoleByUsername(ctx, values.username, role);
      out(`@${account.username} now has the ${role.name || 'user'} role`);
      return 0;
    }
    case 'registrations': {
      const current = await registrationSettings(ctx.db);
      const [mode] = positionals;
      if (mode !== undefined && !(REGISTRATION_MODES as readonly string[]).includes(mode)) break;
      const next = {
        mode: (mode ?? current.mode) as RegistrationMode,
        reasonRequired: values['reason-required'] ? true : values['no-reason-required'] ? false : current.reasonRequired,
        message: values.message ?? current.message,
      };
      const changed = mode !== undefined || values['reason-required'] || values['no-reason-required'] || values.message !== undefined;
      const shown = changed ? await setRegistrationSettings(ctx, null, next) : current;
      out(`registrations: ${shown.mode}${shown.mode === 'approval' ? (shown.reasonRequired ? ' (a reason is required)' : ' (no reason required)') : ''}${shown.message ? `\nmessage: ${shown.message}` : ''}`);
      return 0;
    }
    case 'rule': {
      const [verb] = positionals;
      if (verb === 'list') {
        for (const r of await listRules(ctx.db)) out(`${r.id}\t${r.text}${r.hint ? ` (${r.hint})` : ''}`);
        return 0;
      }
      if (verb === 'add' && values.text) {
        if (values.text.length > RULE_LIMITS.text || (values.hint?.length ?? 0) > RULE_LIMITS.hint) { process.stderr.write(`a rule's text is at most ${RULE_LIMITS.text} characters, its hint ${RULE_LIMITS.hint}\n`); return 2; }
        if ((await listRules(ctx.db)).length >= RULE_LIMITS.count) { process.stderr.write(`at most ${RULE_LIMITS.count} rules\n`); return 2; }
        const rule = await addRule(ctx.db, values.text.trim(), values.hint?.trim() ?? '');
        out(`rule ${rule.id} added`);
        return 0;
      }
      if (verb === 'remove' && values.id && /^\d{1,19}$/.test(values.id)) {
        if (!(await removeRule(ctx.db, values.id))) { process.stderr.write(`no rule ${values.id}\n`); return 1; }
        out(`rule ${values.id} removed`);
        return 0;
      }
      break;
    }
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!command || command === '--help') { process.stderr.write(`${USAGE}\n`); return command ? 0 : 2; }
  const ctx = await createContext(loadConfig(process.env, { logLevel: 'warn' }));
  try {
    return await run(ctx, command, args);
  } catch (err) {
    if (err instanceof ApiError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`${(err as Error).message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await closeContext(ctx);
  }
}

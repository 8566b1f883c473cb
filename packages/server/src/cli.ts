#!/usr/bin/env node
// `firebreak-server serve | migrate | admin`: the app server's own entry point. The `firebreak` command at the
// repository root fronts it together with the status service and the operations lab.
import { dispatch, runIfMain } from './cli-main.js';

export const main = (argv: string[]) => dispatch('usage: firebreak-server serve | migrate | admin', {
  serve: () => import('./serve.js'),
  migrate: () => import('./migrate.js'),
  admin: () => import('./admin-cli.js'),
}, argv);

runIfMain(import.meta.url, main);

#!/usr/bin/env node
// `firebreak-ops cluster | drill | bench`: the operations lab's entry point (fronted by `firebreak`).
import { dispatch, runIfMain } from '@firebreak/server/cli-main.js';

export const main = (argv: string[]) => dispatch('usage: firebreak-ops cluster | drill | bench', {
  cluster: () => import('./cluster/cli.js'),
  drill: () => import('./drill/cli.js'),
  bench: () => import('./bench/cli.js'),
}, argv);

runIfMain(import.meta.url, main);

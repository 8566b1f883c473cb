// The programs the lab starts as processes of their own, and the helper scripts it ships as assets.
// Resolved through the packages, so they work from any checkout or install, never via ../../src.
import { fileURLToPath } from 'node:url';

/** `firebreak-server serve | migrate`. */
export const serverCli = fileURLToPath(import.meta.resolve('@firebreak/server/cli.js'));
/** `firebreak-status`: the status service, which shares no code with this package. */
export const statusCli = fileURLToPath(import.meta.resolve('@firebreak/status/cli.js'));
/** This package's own `cluster | drill | bench` (the bench's fixed-body server, the flood agent's parent). */
export const opsCli = fileURLToPath(new URL('./cli.js', import.meta.url));

/** A file under packages/ops/assets (installed with the package). */
export const assetPath = (name: string): string => fileURLToPath(new URL(`../../assets/${name}`, import.meta.url));

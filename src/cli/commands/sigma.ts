import type { Command } from 'commander';

/** Registers the `sigma` command(s). Filled in by the issue that builds them. */
export function registerSigmaCommands(_program: Command): void {}

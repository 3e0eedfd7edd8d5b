import type { Command } from 'commander';

/** Registers the `sync` command. Filled in by the issue that builds it. */
export function registerSyncCommand(_program: Command): void {}

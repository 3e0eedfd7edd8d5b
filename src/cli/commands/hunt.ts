import type { Command } from 'commander';

/** Registers the `hunt` command(s). Filled in by the issue that builds them. */
export function registerHuntCommand(_program: Command): void {}

import type { Command } from 'commander';

/** Registers the `evtx` command(s). Filled in by the issue that builds them. */
export function registerEvtxCommands(_program: Command): void {}

/**
 * Every command the CLI offers, in `--help` order. Add a command by writing a
 * module like ./list.ts and appending it here; keep heavy imports inside its
 * `run`, so start-up stays fast.
 */
import type { CliCommand } from '../command';
import { listCommand } from './list';
import { runCommand } from './run';
import { resumeCommand } from './resume';
import { compareCommand } from './compare';
import { mergeCommand } from './merge';
import { fuzzCommand } from './fuzz';

export const commands: readonly CliCommand[] = [listCommand, runCommand, resumeCommand, mergeCommand, compareCommand, fuzzCommand];

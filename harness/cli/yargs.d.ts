/**
 * The part of yargs 18 the CLI uses. yargs 18 ships no CommonJS typings and
 * no @types package covers it; these are written against its documented API
 * and keep `any` out of the command modules.
 */
declare module 'yargs' {
  export type OptionType = 'string' | 'boolean' | 'number' | 'array' | 'count';

  export interface OptionSpec {
    readonly type?: OptionType;
    readonly describe?: string;
    readonly default?: string | number | boolean | readonly string[];
    readonly defaultDescription?: string;
    readonly alias?: string | readonly string[];
    readonly choices?: readonly (string | number)[];
    readonly requiresArg?: boolean;
    readonly demandOption?: boolean | string;
    readonly conflicts?: string | readonly string[];
    readonly implies?: string | readonly string[];
    readonly hidden?: boolean;
    readonly group?: string;
    readonly normalize?: boolean;
  }

  export interface PositionalSpec {
    readonly type?: OptionType;
    readonly describe?: string;
    readonly default?: string | number | boolean | readonly string[];
    readonly choices?: readonly (string | number)[];
    readonly array?: boolean;
  }

  /** Parsed arguments: option values are checked by each command, not trusted. */
  export interface Arguments {
    readonly [key: string]: unknown;
    readonly _: readonly (string | number)[];
    readonly $0: string;
  }

  export interface Argv {
    scriptName(name: string): Argv;
    usage(text: string): Argv;
    command(
      command: string | readonly string[],
      describe: string,
      builder: (y: Argv) => Argv,
      handler: (args: Arguments) => void | Promise<void>,
    ): Argv;
    option(key: string, spec: OptionSpec): Argv;
    positional(key: string, spec: PositionalSpec): Argv;
    example(command: string, describe: string): Argv;
    epilog(text: string): Argv;
    demandCommand(min: number, message?: string): Argv;
    strict(enabled?: boolean): Argv;
    fail(handler: (message: string | undefined, error: Error | undefined, y: Argv) => void): Argv;
    help(option?: boolean | string): Argv;
    alias(key: string, alias: string): Argv;
    version(version: false | string): Argv;
    wrap(columns: number | null): Argv;
    exitProcess(enabled: boolean): Argv;
    showHelpOnFail(enabled: boolean): Argv;
    recommendCommands(): Argv;
    parserConfiguration(config: Readonly<Record<string, boolean>>): Argv;
    terminalWidth(): number;
    /** With a callback, help and errors are handed to it instead of printed, and the process is not exited. */
    parseAsync(
      args: readonly string[],
      context: object,
      callback: (error: Error | undefined, argv: Arguments, output: string) => void,
    ): Promise<Arguments>;
  }

  export default function yargs(args?: readonly string[]): Argv;
}

declare module 'yargs/helpers' {
  export function hideBin(argv: readonly string[]): string[];
}

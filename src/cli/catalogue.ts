// The command catalogue: the full program's commands, arguments and options written down as
// JSON when the CLI is compiled (scripts/server-build.js runs cli/write-catalogue), so that
// `keepwell --help`, `keepwell <command> --help` and mistyped commands are answered without
// loading every feature. From the catalogue main.ts builds a program of the same shape whose
// actions only say "this command runs"; then the full program parses the same arguments.
import { Argument, Command, Option } from 'commander';
import { createRootCommand } from './program.js';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

interface OptionEntry {
  flags: string;
  description: string;
  defaultValue?: Json;
  defaultValueDescription?: string;
  presetArg?: Json;
  envVar?: string;
  hidden?: boolean;
  mandatory?: boolean;
  choices?: string[];
  conflicts?: string[];
}

interface ArgumentEntry {
  name: string;
  description: string;
  required: boolean;
  variadic: boolean;
  defaultValue?: Json;
  defaultValueDescription?: string;
  choices?: string[];
}

export interface CatalogueCommand {
  name: string;
  /** the feature whose manifest adds this top-level command (none: a core command) */
  feature?: string;
  description: string;
  summary?: string;
  aliases: string[];
  hidden: boolean;
  allowUnknownOption: boolean;
  allowExcessArguments: boolean;
  arguments: ArgumentEntry[];
  options: OptionEntry[];
  commands: CatalogueCommand[];
}

export interface Catalogue {
  version: 1;
  commands: CatalogueCommand[];
}

// commander keeps these on the command without public getters
interface CommandInternals {
  _hidden?: boolean;
  _allowUnknownOption?: boolean;
  _allowExcessArguments?: boolean;
}

const jsonValue = (v: unknown): Json | undefined => {
  if (v === undefined) return undefined;
  try {
    return JSON.parse(JSON.stringify(v)) as Json;
  } catch {
    return undefined;
  }
};

const conflictsOf = (o: Option): string[] | undefined => {
  const names = (o as unknown as { conflictsWith?: string[] }).conflictsWith;
  return names?.length ? names : undefined;
};

function describeCommand(cmd: Command): CatalogueCommand {
  const internals = cmd as unknown as CommandInternals;
  const summary = cmd.summary();
  return {
    name: cmd.name(),
    description: cmd.description(),
    ...(summary ? { summary } : {}),
    aliases: cmd.aliases(),
    hidden: !!internals._hidden,
    allowUnknownOption: !!internals._allowUnknownOption,
    allowExcessArguments: !!internals._allowExcessArguments,
    arguments: cmd.registeredArguments.map((a) => ({
      name: a.name(),
      description: a.description,
      required: a.required,
      variadic: a.variadic,
      defaultValue: jsonValue(a.defaultValue),
      defaultValueDescription: a.defaultValueDescription,
      choices: a.argChoices,
    })),
    options: cmd.options.map((o) => ({
      flags: o.flags,
      description: o.description,
      defaultValue: jsonValue(o.defaultValue),
      defaultValueDescription: o.defaultValueDescription,
      presetArg: jsonValue(o.presetArg),
      envVar: o.envVar,
      hidden: o.hidden || undefined,
      mandatory: o.mandatory || undefined,
      choices: o.argChoices,
      conflicts: conflictsOf(o),
    })),
    commands: cmd.commands.map(describeCommand),
  };
}

/** The catalogue of a program's subcommands (the root itself comes from program.ts), each top-level one with its feature. */
export function describeProgram(program: Command, featureOf: ReadonlyMap<string, string> = new Map()): Catalogue {
  return {
    version: 1,
    commands: program.commands.map((c) => {
      const feature = featureOf.get(c.name());
      return { ...(feature ? { feature } : {}), ...describeCommand(c) };
    }),
  };
}

function addCommand(parent: Command, entry: CatalogueCommand, onRun: () => void): void {
  // as parent.command(name) does: help after errors, help layout and the like
  const cmd = new Command(entry.name).copyInheritedSettings(parent).description(entry.description);
  if (entry.summary) cmd.summary(entry.summary);
  if (entry.aliases.length) cmd.aliases(entry.aliases);
  cmd.allowUnknownOption(entry.allowUnknownOption).allowExcessArguments(entry.allowExcessArguments);
  for (const a of entry.arguments) {
    const spelled = `${a.name}${a.variadic ? '...' : ''}`;
    const arg = new Argument(a.required ? `<${spelled}>` : `[${spelled}]`, a.description);
    if (a.defaultValue !== undefined || a.defaultValueDescription) arg.default(a.defaultValue, a.defaultValueDescription);
    if (a.choices) arg.choices(a.choices);
    cmd.addArgument(arg);
  }
  for (const o of entry.options) {
    const opt = new Option(o.flags, o.description);
    if (o.defaultValue !== undefined || o.defaultValueDescription) opt.default(o.defaultValue, o.defaultValueDescription);
    if (o.presetArg !== undefined) opt.preset(o.presetArg);
    if (o.envVar) opt.env(o.envVar);
    if (o.hidden) opt.hideHelp();
    if (o.mandatory) opt.makeOptionMandatory();
    if (o.choices) opt.choices(o.choices);
    if (o.conflicts) opt.conflicts(o.conflicts);
    cmd.addOption(opt);
  }
  for (const sub of entry.commands) addCommand(cmd, sub, onRun);
  if (!entry.commands.length) cmd.action(onRun);
  parent.addCommand(cmd, { hidden: entry.hidden });
}

/** A program of the catalogue's shape; onRun is called with the top-level entry when the arguments name a command to run. */
export function programFromCatalogue(catalogue: Catalogue, onRun: (entry: CatalogueCommand) => void): Command {
  const program = createRootCommand();
  for (const entry of catalogue.commands) addCommand(program, entry, () => onRun(entry));
  return program;
}

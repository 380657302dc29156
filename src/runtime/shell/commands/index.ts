// The built-in commands by name.
import type { Command } from '../proc.js';
import { FILE_COMMANDS } from './files.js';
import { NET_COMMANDS } from './net.js';
import { SYS_COMMANDS } from './sys.js';
import { TAR_COMMANDS } from './tar.js';
import { TEXT_COMMANDS } from './text.js';

export const COMMANDS: Record<string, Command> = {
  ...FILE_COMMANDS,
  ...TEXT_COMMANDS,
  ...SYS_COMMANDS,
  ...TAR_COMMANDS,
  ...NET_COMMANDS,
};

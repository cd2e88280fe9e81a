/** The logging the agent needs; a pino logger fits, so the server can lend its own. */
export type AgentLogger = {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
};

export const silentLogger: AgentLogger = { debug() {}, info() {}, warn() {}, error() {} };

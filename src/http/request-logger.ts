// The logger of a request (request.log), made when the request first writes a line. fastify makes a
// pino child per request, and a child serialises its bindings and sets up redaction when it is made:
// ~2.5 % of the HTTP thread per chat message sent, for a logger that a request answered normally no
// longer uses (fastify's own request lines are debug lines, src/app.ts).
import type { FastifyBaseLogger } from 'fastify';

type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildOptions = Parameters<FastifyBaseLogger['child']>[1];
// pino's log methods are overloaded (object first, or message first); a forwarder takes either.
type Forward = (...args: unknown[]) => void;

class RequestLogger {
  private made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildOptions,
  ) {}

  private get real(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.made?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.real.level = level;
  }

  fatal(...args: unknown[]): void {
    (this.real.fatal as Forward)(...args);
  }
  error(...args: unknown[]): void {
    (this.real.error as Forward)(...args);
  }
  warn(...args: unknown[]): void {
    (this.real.warn as Forward)(...args);
  }
  info(...args: unknown[]): void {
    (this.real.info as Forward)(...args);
  }
  debug(...args: unknown[]): void {
    (this.real.debug as Forward)(...args);
  }
  trace(...args: unknown[]): void {
    (this.real.trace as Forward)(...args);
  }
  silent(...args: unknown[]): void {
    (this.real.silent as Forward)(...args);
  }

  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return this.real.child(bindings, options);
  }
}

export const lazyChildLogger = (logger: FastifyBaseLogger, bindings: Bindings, options: ChildOptions): FastifyBaseLogger =>
  // Every method of FastifyBaseLogger is there, each forwarding its arguments as given (see Forward).
  new RequestLogger(logger, bindings, options) as unknown as FastifyBaseLogger;

// The logger of a request (request.log), made when the request first writes a line. fastify makes a
// pino child per request, and a child serialises its bindings and sets up redaction when it is made:
// ~2.5 % of the HTTP thread per chat message sent, for a logger that a request answered normally no
// longer uses (fastify's own request lines are debug lines: RequestLineController below).
import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';

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

/**
 * fastify's request lines, one level down: `incoming request` and `request completed` are debug lines
 * (at info they were two synchronous writes per request, a fifth of the gateway's CPU per chat message
 * sent: bench/README.md); `request errored` stays an error. Below debug the request's logger is not
 * even made (RequestLogger above). fastify's other lines (a 404, a stream error) are as fastify has them.
 */
export class RequestLineController extends LogController {
  constructor(private readonly debugLines: boolean) {
    super();
  }

  override incomingRequest(request: FastifyRequest): void {
    if (this.debugLines) request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else if (this.debugLines) reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

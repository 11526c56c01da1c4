// tsc -p, in this process: the repository's TypeScript compiles a project (its tsconfig.json) as the
// command would, with the same diagnostics text. One process, one load of the compiler, and one
// parse of each file shared by every project a test file compiles (lib.dom.d.ts, a generated client):
// spawning `tsc` for each project cost ~1.5 s of CPU more each time.
import path from 'node:path';
import ts from 'typescript';

const parsed = new Map<string, { text: string; file: ts.SourceFile }>();

export interface TscResult {
  /** 0 when there was no error, as `tsc -p` exits. */
  code: number;
  /** The diagnostics as `tsc` prints them without a terminal: `file(line,col): error TSn: text`. */
  output: string;
}

export function tscProject(dir: string, project = 'tsconfig.json'): TscResult {
  const configPath = path.join(dir, project);
  const config = ts.readConfigFile(configPath, (f) => ts.sys.readFile(f));
  if (config.error) return { code: 1, output: ts.flattenDiagnosticMessageText(config.error.messageText, '\n') };
  const { options, fileNames, errors } = ts.parseJsonConfigFileContent(config.config, ts.sys, dir, undefined, configPath);
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, ...rest) => {
    // A parse is reused only for the same text: a test may rewrite a file between two projects.
    const text = host.readFile(fileName);
    const key = `${fileName}\u0000${JSON.stringify(languageVersion)}`;
    const hit = parsed.get(key);
    if (hit && hit.text === text) return hit.file;
    const file = getSourceFile(fileName, languageVersion, ...rest);
    if (file && text !== undefined) parsed.set(key, { text, file });
    return file;
  };
  host.getCurrentDirectory = () => dir;
  const program = ts.createProgram({ rootNames: fileNames, options, host, configFileParsingDiagnostics: errors });
  const emitted = program.emit();
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
  const output = ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => dir,
    getNewLine: () => '\n',
  });
  // noEmit skips emitting by design; otherwise a skipped emit (noEmitOnError) is a failure too.
  const failed = diagnostics.some((d) => d.category === ts.DiagnosticCategory.Error) || (!options.noEmit && emitted.emitSkipped);
  // tsc exits 2 when it found errors and emitted nothing, 1 when it emitted anyway: either is "not 0".
  return { code: failed ? 2 : 0, output };
}

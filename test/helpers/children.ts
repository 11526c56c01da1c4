// Server processes the test helpers started, SIGKILLed (and their temp dirs removed) if this process
// exits without stopping them. One hook for every helper.
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

const running = new Map<ChildProcess, string>();
let hooked = false;

export function track(child: ChildProcess, dir: string): void {
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const [c, d] of running) {
        try {
          if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
        } catch {
          /* already gone */
        }
        try {
          rmSync(d, { recursive: true, force: true });
        } catch {
          /* best effort */
        }
      }
    });
  }
  running.set(child, dir);
}

export function untrack(child: ChildProcess): void {
  running.delete(child);
}

/** Something to tear down: a store to close, a pool to stop, listeners to remove. */
export type Teardown = () => unknown;

/**
 * Teardowns in the order their things were built, run last first, once (as
 * VS Code's DisposableStore): what was built on top of something is gone
 * before that thing is. A teardown that throws does not stop the others; its
 * error is thrown once all have run (an AggregateError when several threw).
 */
export class Disposables {
  private readonly stack: Teardown[] = [];
  private disposing: Promise<void> | null = null;

  /** Registers a thing's teardown and returns the thing. */
  add<T>(thing: T, teardown: (thing: T) => unknown): T {
    this.defer(() => teardown(thing));
    return thing;
  }

  defer(teardown: Teardown): void {
    if (this.disposing) throw new Error('Already disposed: nothing more can be added.');
    this.stack.push(teardown);
  }

  /** Runs every teardown, last added first; a second call waits for the first. */
  dispose(): Promise<void> {
    this.disposing ??= this.run();
    return this.disposing;
  }

  private async run(): Promise<void> {
    const errors: unknown[] = [];
    for (let teardown = this.stack.pop(); teardown; teardown = this.stack.pop()) {
      try {
        await teardown();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'Several teardowns failed.');
  }
}

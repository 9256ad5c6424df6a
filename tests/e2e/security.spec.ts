// Issue 6, security, in the browser: the built page under the app's
// Content-Security-Policy refuses inline code, eval and remote scripts; it
// sees no Node; `window.labdrop` is one frozen object of named methods; and
// hostile calls through it come back as values from the real handlers.
import { createLabdropApi } from '../../shared/bridge';
import type { LabdropApi } from '../../shared/ipc';
import { CONTENT_SECURITY_POLICY } from '../../electron/ipc/security';
import { expect, test } from './fixtures';

/** The method names of the API the preload exposes, built as the preload builds it. */
const API_METHODS = Object.keys(
  createLabdropApi({
    invoke: async () => null,
    subscribe: () => () => undefined,
    pathForFile: () => '',
  }),
).sort();

test('the page runs under the CSP: no inline script, no eval, no remote code', async ({
  labdrop,
}) => {
  test.skip(
    labdrop.mode === 'electron',
    'Probed in a second page of the browser run; the Electron window gets the same policy (tests/security.test.ts).',
  );
  // A second page on the same origin, so the violations Chromium logs as
  // console errors do not count as errors of the app's window.
  const probe = await labdrop.page.context().newPage();
  try {
    const response = await probe.goto(labdrop.page.url());
    expect(response?.headers()['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    const found = await probe.evaluate(async () => {
      const violations: string[] = [];
      document.addEventListener('securitypolicyviolation', (event) => {
        violations.push(event.effectiveDirective);
      });
      const flags = window as unknown as Record<string, boolean>;

      const inline = document.createElement('script');
      inline.textContent = 'window.__inlineRan = true;';
      document.head.append(inline);

      const handler = document.createElement('button');
      handler.setAttribute('onclick', 'window.__handlerRan = true;');
      document.body.append(handler);
      handler.click();

      const remote = document.createElement('script');
      remote.src = 'https://example.org/evil.js';
      remote.onload = () => (flags.__remoteRan = true);
      document.head.append(remote);

      const dataScript = document.createElement('script');
      dataScript.src = 'data:text/javascript,window.__dataRan=true';
      document.head.append(dataScript);

      // From a timer, so the page's own code calls eval: Playwright's evaluate
      // itself runs under DevTools, which the policy does not restrict.
      const later = <T>(run: () => T) =>
        new Promise<T>((resolve) => setTimeout(() => resolve(run()), 0));
      const tryEval = () => {
        try {
          return { ran: (0, window.eval)('1 + 1') === 2, error: '' };
        } catch (error) {
          return { ran: false, error: String(error) };
        }
      };
      const { ran: evalRan, error: evalError } = await later(tryEval);
      const functionRan = await later(() => {
        try {
          return (new window.Function('return 1') as () => number)() === 1;
        } catch {
          return false; // refused, as it should be
        }
      });
      (setTimeout as unknown as (code: string, ms: number) => number)(
        'window.__timerStringRan = true',
        0,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      return {
        violations,
        inlineRan: flags.__inlineRan === true,
        handlerRan: flags.__handlerRan === true,
        remoteRan: flags.__remoteRan === true,
        dataRan: flags.__dataRan === true,
        timerStringRan: flags.__timerStringRan === true,
        evalRan,
        evalError,
        functionRan,
      };
    });
    expect(found).toMatchObject({
      inlineRan: false,
      handlerRan: false,
      remoteRan: false,
      dataRan: false,
      timerStringRan: false,
      evalRan: false,
      functionRan: false,
    });
    expect(found.evalError).toMatch(/EvalError/);
    expect(found.violations).toContain('script-src-elem');
    expect(found.violations).toContain('script-src-attr');
    expect(found.violations).toContain('script-src');
  } finally {
    await probe.close();
  }
});

test('the page sees no Node, and only the named, frozen window.labdrop API', async ({
  labdrop,
}) => {
  const { page } = labdrop;
  const seen = await page.evaluate(() => {
    const global = globalThis as unknown as Record<string, unknown>;
    const bridged = () => (window as unknown as { labdrop: LabdropApi }).labdrop;
    const api = bridged() as unknown as Record<string, unknown>;
    const before = api.appInfo;
    try {
      api.appInfo = () => 'replaced';
    } catch {
      // frozen: strict-mode code throws
    }
    try {
      api.invoke = () => 'added';
    } catch {
      // frozen
    }
    try {
      (window as unknown as Record<string, unknown>).labdrop = { invoke: () => 'swapped' };
    } catch {
      // not writable
    }
    return {
      node: ['require', 'process', 'module', 'Buffer', 'global', '__dirname', 'ipcRenderer'].map(
        (name) => [name, typeof global[name]],
      ),
      electron: typeof (global as { electron?: unknown }).electron,
      frozen: Object.isFrozen(bridged()),
      keys: Object.keys(bridged()).sort(),
      allFunctions: Object.values(bridged()).every((v) => typeof v === 'function'),
      unchanged: bridged().appInfo === before && !('invoke' in bridged()),
    };
  });
  expect(Object.fromEntries(seen.node)).toEqual({
    require: 'undefined',
    process: 'undefined',
    module: 'undefined',
    Buffer: 'undefined',
    global: 'undefined',
    __dirname: 'undefined',
    ipcRenderer: 'undefined',
  });
  expect(seen.electron).toBe('undefined');
  expect(seen.frozen).toBe(true);
  expect(seen.keys).toEqual(API_METHODS);
  for (const generic of ['invoke', 'send', 'sendSync', 'ipcRenderer', 'on', 'removeListener']) {
    expect(seen.keys).not.toContain(generic);
  }
  expect(seen.allFunctions).toBe(true);
  expect(seen.unchanged).toBe(true);
});

test('hostile calls through window.labdrop come back as values; the window keeps working', async ({
  labdrop,
}) => {
  const { page } = labdrop;
  const answers = await page.evaluate(async () => {
    const api = (window as unknown as { labdrop: LabdropApi }).labdrop;
    const pollute = JSON.parse('{"__proto__": {"labdropPolluted": "yes"}}') as never;
    const calls: Array<Promise<unknown>> = [
      api.planUpload(['relative/file.txt'], ''),
      api.planUpload(['../../etc/passwd'], ''),
      api.planUpload(['/tmp/a\0b'], ''),
      api.planUpload([], ''),
      api.planUpload(pollute, pollute),
      api.addUploads('__proto__', pollute, true),
      api.reviewUpload('__proto__', pollute, pollute),
      api.addUploads(
        'plan',
        { bucket: 'lab-bucket', endpoint: null, region: 'us-east-1', awsProfile: null },
        true,
        null,
        false,
        pollute,
      ),
      api.pause(pollute),
      api.queryHistory(pollute),
      api.exportHistory('xlsx' as never, {}),
      api.setSettings(pollute),
      api.saveKeys(pollute),
      api.credentialSummary('../../etc' as never),
      api.checkTarget(pollute, pollute),
      api.listFolders(
        { bucket: 'lab-bucket', endpoint: 'file:///etc', region: 'us-east-1', awsProfile: null },
        '',
      ),
      api.openFiles('anything' as never),
      api.updateTarget('constructor', pollute),
    ];
    return Promise.all(calls);
  });
  for (const answer of answers) {
    expect(answer).toMatchObject({ ok: false, error: { code: expect.any(String) } });
  }
  expect(
    answers.filter((a) => (a as { error: { code: string } }).error.code === 'BadRequest'),
  ).toHaveLength(answers.length);
  expect(await page.evaluate(() => 'labdropPolluted' in Object.prototype)).toBe(false);
  expect(
    await page.evaluate(() => (window as unknown as { labdrop: LabdropApi }).labdrop.appInfo()),
  ).toMatchObject({ ok: true });
  await expect(page.getByRole('heading', { name: 'Queue' })).toBeVisible();
});

// A jest reporter that ends every run with one line per target: how many tests ran against real
// Disque, the embedded server, a fake server, or no server. Test files declare their target with
// test/helpers/target.ts, which appends to a file in the directory this reporter makes for the
// run (its path passes to the test workers in the environment: they start after reporters do).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const LABELS = {
  real: 'real Disque',
  embedded: 'embedded server',
  fake: 'fake server',
  none: 'no server',
  undeclared: 'UNDECLARED (no declareTarget: fix the test file)',
};

class TargetReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disque-ts-targets-'));
    process.env.DISQUE_TS_TARGETS_DIR = this.dir;
    this.counts = new Map(); // target -> { tests, files: Set, notes: Set }
  }

  declarations(testPath) {
    const file = path.join(
      this.dir,
      `${require('node:crypto').createHash('sha1').update(testPath).digest('hex')}.jsonl`,
    );
    if (!fs.existsSync(file)) return [];
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  }

  onTestResult(_test, result) {
    const declared = this.declarations(result.testFilePath);
    const byDescribe = declared.filter((d) => d.describe !== undefined);
    const fileLevel = declared.find((d) => d.describe === undefined);
    for (const t of result.testResults) {
      if (t.status !== 'passed' && t.status !== 'failed') continue; // skipped, todo: did not run
      const d = byDescribe.find((x) => t.fullName.startsWith(x.describe)) ?? fileLevel;
      const target = d ? d.target : 'undeclared';
      const entry = this.counts.get(target) ?? { tests: 0, files: new Set(), notes: new Set() };
      entry.tests++;
      entry.files.add(path.relative(this.rootDir, result.testFilePath));
      if (d && d.note) entry.notes.add(d.note);
      this.counts.set(target, entry);
    }
  }

  onRunComplete() {
    const nodes = (process.env.DISQUE_NODES || '').trim();
    const lines = ['', 'Tests by target:'];
    for (const target of Object.keys(LABELS)) {
      const e = this.counts.get(target);
      if (!e && target === 'undeclared') continue;
      const tests = e ? e.tests : 0;
      const files = e ? e.files.size : 0;
      const where = target === 'real' ? ` (${nodes || 'DISQUE_NODES not set'})` : '';
      lines.push(
        `  ${LABELS[target]}${where}: ${tests} test${tests === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}`,
      );
      if (e) for (const note of e.notes) lines.push(`    note: ${note}`);
      if (e && target === 'undeclared') for (const f of e.files) lines.push(`    ${f}`);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
    // Written as the process exits, so that it comes after jest's own summary: the last lines.
    const text = `${lines.join('\n')}\n`;
    process.once('exit', () => fs.writeSync(2, text));
  }
}

module.exports = TargetReporter;

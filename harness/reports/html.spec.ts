import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STATUSES } from '../runner/status';
import { hexToRgb, STATUS_COLOURS } from './colours';
import { sampleReport } from './fixtures/sample';
import { countColour, decodePng } from './fixtures/png';
import { htmlReport } from './html';

function chromium(args: string[]): void {
  const r = spawnSync('chromium', args, { encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw new Error(`the HTML check renders with Debian's chromium package: install it (${r.error.message})`);
}

describe('report.html', function () {
  this.timeout(90_000);
  let dir: string;
  let page: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'accel-html-'));
    page = join(dir, 'report.html');
    writeFileSync(page, htmlReport(sampleReport()));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is self-contained: nothing is fetched', () => {
    const html = readFileSync(page, 'utf8');
    expect(html).to.not.match(/\b(src|href)\s*=/i);
    expect(html).to.not.match(/@import|url\(/);
    expect(html).to.contain('<style>').and.to.contain('<script>');
  });

  it('escapes what tests print', () => {
    const html = readFileSync(page, 'utf8');
    expect(html).to.contain('line &lt;2&gt; &amp; &quot;quotes&quot;');
    expect(html).to.not.contain('<EINVAL>');
  });

  it('renders in headless Chromium as a 1280x900 page showing every status colour', () => {
    const png = join(dir, 'shot.png');
    chromium([
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--hide-scrollbars',
      `--user-data-dir=${join(dir, 'profile')}`,
      `--screenshot=${png}`,
      '--window-size=1280,900',
      `file://${page}`,
    ]);
    expect(existsSync(png), 'chromium wrote the screenshot').to.equal(true);
    const img = decodePng(readFileSync(png));
    expect([img.width, img.height]).to.deep.equal([1280, 900]);
    for (const s of STATUSES) {
      expect(countColour(img, hexToRgb(STATUS_COLOURS[s].bg)), `pixels of ${s} (${STATUS_COLOURS[s].bg})`).to.be.greaterThan(100);
    }
    // The matrix itself, below the legend, is coloured too.
    for (const s of ['pass', 'fail', 'timeout', 'crash'] as const) {
      expect(countColour(img, hexToRgb(STATUS_COLOURS[s].bg), 640), `matrix pixels of ${s}`).to.be.greaterThan(1000);
    }
    // The check can fail: a colour the page does not use is absent.
    expect(countColour(img, [1, 2, 3])).to.equal(0);
  });

  it('opens a failure cell to show its message and log (DOM after scripts ran)', () => {
    const r = spawnSync(
      'chromium',
      ['--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${join(dir, 'profile2')}`, '--dump-dom', `file://${page}`],
      { encoding: 'utf8', timeout: 60_000 },
    );
    if (r.error) throw new Error(`install Debian's chromium package (${r.error.message})`);
    const dom = r.stdout;
    const cell = dom.slice(dom.indexOf('accel@gem@case-fail'));
    expect(cell).to.match(/<details><summary>fail<\/summary><pre>fail: expected 0, got -22 &lt;EINVAL&gt;<\/pre>/);
    expect(dom).to.contain('class="banner abort"');
  });
});

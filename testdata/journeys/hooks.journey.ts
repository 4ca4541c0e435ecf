import { journey, step, expect, before, after, beforeAll, afterAll } from '@elastic/synthetics';

// Hooks: beforeAll/afterAll once, before/after around the steps of the journey.
let prepared = 0;
beforeAll(({ params }) => {
  prepared = typeof params.url === 'string' ? 1 : 0;
});
afterAll(() => {
  prepared = 0;
});

journey('hooks', ({ page, params }) => {
  let opened = false;
  before(async () => {
    await page.goto(`${params.url}/`);
    opened = true;
  });
  after(async () => {
    await page.goto('about:blank');
  });
  step('beforeAll ran', () => {
    expect(prepared).toBe(1);
  });
  step('before opened the home page', async () => {
    expect(opened).toBe(true);
    await expect(page.locator('#title')).toHaveText('Test site');
  });
});

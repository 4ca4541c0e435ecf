import { journey, step, expect } from '@elastic/synthetics';

// journey.skip never runs (and reports nothing); step.skip is reported as skipped.
journey.skip('skipped journey', ({ page, params }) => {
  step('never runs', async () => {
    await page.goto(`${params.url}/`);
  });
});

journey('journey with a skipped step', ({ page, params }) => {
  step('open the home page', async () => {
    await page.goto(`${params.url}/`);
  });
  step.skip('not yet', async () => {
    await page.click('#does-not-exist');
  });
  step('read the title', async () => {
    await expect(page.locator('#title')).toHaveText('Test site');
  });
});

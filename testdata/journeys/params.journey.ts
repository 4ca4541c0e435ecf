import { journey, step, expect } from '@elastic/synthetics';

// Params arrive as given (--params or the monitor's params).
journey({ name: 'params', tags: ['params'] }, ({ page, params }) => {
  step('params are set', () => {
    expect(params.user).toBe('demo');
    expect(typeof params.url).toBe('string');
  });
  step('sign in with params', async () => {
    await page.goto(`${params.url}/login`);
    await page.fill('#user', String(params.user));
    await page.fill('#password', String(params.password));
    await page.click('#submit');
    await expect(page.locator('#welcome')).toHaveText(`Welcome, ${String(params.user)}`);
  });
});

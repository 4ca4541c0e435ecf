import { journey, step, monitor, expect } from '@elastic/synthetics';
import { loginPath, WELCOME } from './helpers';

journey('Shop login', ({ page, params }) => {
  monitor.use({ id: 'shop-login', tags: ['team:shop', 'flow:login'] });

  step('open the sign-in page', async () => {
    await page.goto(loginPath(params.baseUrl));
  });

  step('sign in', async () => {
    await page.fill('#user', params.user);
    await page.click('#submit');
    await expect(page.locator('#welcome')).toHaveText(WELCOME);
  });
});

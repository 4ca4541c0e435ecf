import { journey, step, expect } from '@elastic/synthetics';

journey('checkout', ({ page, params }) => {
  step('open the cart', async () => {
    await page.goto(`${params.url}/cart`);
  });

  step('pay', async () => {
    await page.getByRole('button', { name: 'Pay now' }).click();
    expect(await page.getByText('Thank you').isVisible()).toBe(true);
  };
});

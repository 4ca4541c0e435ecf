// A journey kept as a file in Git. Kustomize puts it in the ConfigMap `shop-journeys`
// (kustomization.yaml, configMapGenerator); the SyntheticMonitor checkout-journey refers to it
// with journey.configMapRef. Written in Elastic's journey DSL: it runs unchanged with
// `npx @elastic/synthetics` and with `synthctl journey`.
import { journey, step, expect } from '@elastic/synthetics';

journey('Checkout', ({ page, params }) => {
  step('open the cart', async () => {
    await page.goto(`${params.baseUrl}/cart`);
  });
  step('the checkout button is there', async () => {
    await expect(page.locator('#checkout')).toBeVisible();
  });
});

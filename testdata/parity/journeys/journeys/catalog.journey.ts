import { journey, step, monitor } from '@elastic/synthetics';

// Two journeys in one file: two monitors sharing one bundle, told apart by filter.match.
journey('Search', ({ page, params }) => {
  monitor.use({ schedule: 30, privateLocations: ['Shop DC'] });
  step('search', async () => {
    await page.goto(`${params.baseUrl}/search?q=tea`);
  });
});

journey('Checkout', ({ page, params }) => {
  step('cart', async () => {
    await page.goto(`${params.baseUrl}/cart`);
  });
});

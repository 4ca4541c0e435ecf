import { journey, step, monitor } from '@elastic/synthetics';

journey('Home page', ({ page }) => {
  monitor.use({
    id: 'home-page',
    tags: ['web'],
    alert: { status: { enabled: false } },
    fields: { page: 'home' },
  });
  step('open', async () => {
    await page.goto('https://shop.example.com/');
  });
});

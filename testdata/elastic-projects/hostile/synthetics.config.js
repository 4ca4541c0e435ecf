const config = {
  params: { token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl', plain: 'hello' },
  monitor: { schedule: 7, locations: ['us_west'], frobnicate: true },
  project: { id: 'hostile', url: process.env.KIBANA_URL },
};
module.exports = config;

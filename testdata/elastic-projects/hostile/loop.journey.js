const { journey } = require('@elastic/synthetics');
journey('Spins', () => {});
while (true) {}

export * from './auth';
export * from './teams';
export * from './projects';
export * from './audit';

export * from './fields';
export * from './service';
export * from './database';
export * from './volume';
export * from './node';
export * from './migration';
export * from './migrate';

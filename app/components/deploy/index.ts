/** Deploying from the canvas: what canvas.tsx and node-card.tsx mount. */
export { DeployProvider, useBaselineSpec, useServerIssues } from './context';
export { DeployButton, DeployForm } from './deploy-button';
export { DeploymentDock } from './deployment-drawer';
export { NodeStatus, NodeUrl } from './node-status';
export { DeployToasts } from './toasts';

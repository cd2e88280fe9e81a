import { redirect, type LoaderFunctionArgs } from '@remix-run/node';

export const loader = ({ context }: LoaderFunctionArgs) => redirect(context.viewer ? '/projects' : '/login');

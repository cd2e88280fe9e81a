// One image build on the engine (the classic builder, as the engine here has):
// the context goes in as a tar stream, the JSON progress stream comes back as
// log lines, and an `error` entry fails the build with the step's message.
import type Docker from 'dockerode';
import { BUILD_ERRORS } from '../../sync/events';
import { engineMessage } from '../docker';
import { TaskFailure } from '../exec-context';

type BuildEvent = {
  stream?: string;
  status?: string;
  progress?: string;
  error?: string;
  errorDetail?: { message?: string; code?: number };
  aux?: { ID?: string };
};

export type ImageBuild = {
  docker: Docker;
  context: NodeJS.ReadableStream;
  /** Full tag, repository:tag. */
  tag: string;
  labels: Record<string, string>;
  /** Relative to the context root. */
  dockerfile: string;
  signal: AbortSignal;
  log(line: string): void;
};

/** How many of the last log lines a failure repeats in its message (the full log went out as progress). */
const TAIL_LINES = 25;
const MAX_ERROR = 3500;

/** Builds and returns the image id. */
export async function buildImage({ docker, context, tag, labels, dockerfile, signal, log }: ImageBuild): Promise<string> {
  const tail: string[] = [];
  const emit = (line: string) => {
    log(line);
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
  };

  let response: NodeJS.ReadableStream;
  try {
    response = await docker.buildImage(context, {
      t: tag,
      labels,
      dockerfile,
      // Layer cache: the engine's own, shared by every build on this node.
      nocache: false,
      rm: true,
      forcerm: true,
      abortSignal: signal,
    } as Docker.ImageBuildOptions);
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new TaskFailure(`${BUILD_ERRORS.step}: the engine refused the build: ${engineMessage(error)}`);
  }

  let imageId: string | null = null;
  let failure: string | null = null;
  let partial = '';
  const onEvent = (event: BuildEvent) => {
    if (event.aux?.ID) imageId = event.aux.ID;
    if (typeof event.stream === 'string') {
      // Lines arrive in pieces and several at a time.
      const lines = (partial + event.stream).split(/\r?\n/);
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) emit(line.trimEnd());
    } else if (event.status && !event.progress) {
      emit(event.status);
    }
    if (event.error || event.errorDetail) failure = event.errorDetail?.message ?? event.error ?? 'unknown error';
  };

  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      (response as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    docker.modem.followProgress(
      response,
      (error: Error | null) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) return reject(signal.reason);
        if (error) return reject(new TaskFailure(`${BUILD_ERRORS.step}: the build stream broke: ${error.message}`));
        resolve();
      },
      onEvent
    );
  });
  if (partial.trim()) emit(partial.trimEnd());

  if (failure) {
    const text = `${BUILD_ERRORS.step}: ${(failure as string).trim()}\n${tail.join('\n')}`;
    throw new TaskFailure(text.length > MAX_ERROR ? `${text.slice(0, MAX_ERROR)}…` : text);
  }
  const image = await docker
    .getImage(tag)
    .inspect()
    .catch(() => null);
  if (!image) throw new TaskFailure(`${BUILD_ERRORS.step}: the engine reported no error, but ${tag} does not exist`);
  return image.Id ?? imageId;
}

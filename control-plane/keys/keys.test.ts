import { describeKeyLifecycle } from './keys-lifecycle.ts';

describeKeyLifecycle('embedded');

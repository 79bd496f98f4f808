import { describeMetricConfigCrud } from './metric-configs-crud.ts';

describeMetricConfigCrud('embedded');

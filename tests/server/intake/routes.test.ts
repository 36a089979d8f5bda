import { SQLITE } from '../../helpers/backend.ts';
import { intakeRoutesContract } from './routes.contract.ts';

intakeRoutesContract(SQLITE);

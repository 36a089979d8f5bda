import { SQLITE } from '../../helpers/backend.ts';
import { writebackContract } from './writeback.contract.ts';

writebackContract(SQLITE);

import { FormControl } from '@angular/forms';
import { birthDateValidator } from './patient-validators';

describe('birthDateValidator', () => {
  const validate = (value: string) => birthDateValidator(() => new Date(2024, 5, 15))(new FormControl(value));

  it('accepts empty, full and partial FHIR dates', () => {
    for (const value of ['', '1980-02-29', '1980-02', '1980', '2024-06-15'])
      expect(validate(value)).withContext(value).toBeNull();
  });

  it('rejects other formats and days that do not exist', () => {
    for (const value of ['15/06/1980', '1980-2-3', '1981-02-29', '1980-13-01', '1980-00', 'yesterday']) {
      expect(validate(value)).withContext(value).toEqual({ dateFormat: true });
    }
  });

  it('rejects dates after today', () => {
    expect(validate('2024-06-16')).toEqual({ futureDate: true });
  });
});

;;; SRFI-64 tests of (guixml ml), the pure part of the guixml channel.
;;;
;;; Usage: guile -L channel tests/guile/ml.scm   (exit status 0 when all pass)

(use-modules (guixml ml)
             (srfi srfi-64)
             (ice-9 match))

(define (problem-codes alist)
  (map (lambda (problem)
         (list (ml-problem-code problem) (ml-problem-key problem)))
       (ml-properties-problems alist)))

(define (verdict policy alist)
  (ml-verdict-verdict (ml-policy-verdict policy alist)))

(test-begin "guixml-ml")

;;; Validation.

(test-equal "no properties: valid" '() (problem-codes '()))

(test-equal "non-ML properties are ignored"
  '()
  (problem-codes '((upstream-name . "x") (hidden? . #t) (tunable? . #t))))

(test-equal "a complete model annotation is valid"
  '()
  (problem-codes '((ml-weights . model)
                   (ml-weights-license . "Apache-2.0")
                   (ml-training-software . packaged)
                   (ml-training-software-package . "python-pytorch")
                   (ml-training-data . free)
                   (ml-training-data-url . "https://example.org")
                   (ml-reproducibility . feasible)
                   (ml-provenance . fine-tuned))))

(test-equal "separate with weight inputs is valid"
  '()
  (problem-codes '((ml-weights . separate)
                   (ml-weight-inputs "neural-network-big" "neural-network-small"))))

(test-equal "unknown ml- key"
  '((unknown-key ml-weigths-license))
  (problem-codes '((ml-weights . model) (ml-weigths-license . "MIT"))))

(test-equal "wrong value type"
  '((wrong-type ml-weights))
  (problem-codes '((ml-weights . "model"))))

(test-equal "unknown value"
  '((unknown-value ml-training-data))
  (problem-codes '((ml-weights . model) (ml-training-data . open))))

(test-equal "separate without weight inputs"
  '((missing-weight-inputs ml-weight-inputs))
  (problem-codes '((ml-weights . separate))))

(test-equal "weight inputs without separate"
  '((weight-inputs-not-separate ml-weight-inputs))
  (problem-codes '((ml-weights . tangled) (ml-weight-inputs "x"))))

(test-equal "facts without ml-weights"
  '((facts-without-ml-weights ml-weights))
  (problem-codes '((ml-training-data . free))))

(test-equal "bad licence expression"
  '((bad-license-expression ml-weights-license))
  (problem-codes '((ml-weights . model) (ml-weights-license . "MIT OR"))))

(test-equal "duplicate key and malformed entry"
  '((duplicate-key ml-weights) (malformed-entry #f))
  (problem-codes '((ml-weights . model) (ml-weights . tangled) 42)))

(test-assert "problems carry a message"
  (string? (ml-problem-message
            (car (ml-properties-problems '((ml-weights . 1)))))))

;;; Accessors.

(test-equal "accessors read the facts"
  '(separate ("a") "MIT" available unknown unknown #f)
  (let ((alist '((ml-weights . separate) (ml-weight-inputs "a")
                 (ml-weights-license . "MIT")
                 (ml-training-software . available))))
    (list (ml-weights alist) (ml-weight-inputs alist)
          (ml-weights-license alist) (ml-training-software alist)
          (ml-training-data alist) (ml-reproducibility alist)
          (ml-provenance alist))))

(test-equal "no key: no weights" #f (ml-weights '((hidden? . #t))))
(test-assert "annotated?" (ml-annotated? '((ml-weights . tangled))))

;;; Licences.

(test-equal "licence judgements"
  '(free unknown non-free free non-free unknown unknown free)
  (list (license-judgement "GPL-3.0-or-later" 'fsdg)
        (license-judgement "CC-BY-4.0" 'osi)
        (license-judgement "CC-BY-NC-4.0" 'dfsg)
        (license-judgement "CC-BY-NC-4.0 OR MIT" 'fsdg)
        (license-judgement "MIT AND CC-BY-ND-4.0" 'fsdg)
        (license-judgement "LicenseRef-llama" 'fsdg)
        (license-judgement #f 'fsdg)
        (license-judgement "Apache-2.0 WITH LLVM-exception" 'osi)))

(test-equal "expression tree"
  '(or (license "MIT" #f)
       (and (license "GPL-2.0" #t) (with (license "GPL-2.0" #f) "Classpath-exception-2.0")))
  (parse-license-expression
   "MIT OR (GPL-2.0+ AND GPL-2.0 WITH Classpath-exception-2.0)"))

(test-assert "malformed expressions"
  (not (or (parse-license-expression "")
           (parse-license-expression "MIT AND")
           (parse-license-expression "(MIT")
           (parse-license-expression "MIT WITH")
           (parse-license-expression "MIT é"))))

;;; Policies.

(define gnubg-like
  '((ml-weights . tangled)
    (ml-weights-license . "GPL-3.0-or-later")
    (ml-training-software . unavailable)
    (ml-training-data . unavailable)
    (ml-reproducibility . infeasible)))

(test-equal "2023 thread: licence only"
  'accept (verdict 'guix-2023 gnubg-like))
(test-equal "2023 thread: missing recommendations are reasons"
  '(weights-license-free training-software-missing not-recomputable)
  (ml-verdict-reasons (guix-2023-verdict gnubg-like)))
(test-equal "Debian: ToxicCandy"
  '(reject toxic-candy)
  (let ((v (debian-verdict gnubg-like)))
    (list (ml-verdict-verdict v) (ml-verdict-class v))))
(test-equal "Debian: non-free"
  'non-free
  (ml-verdict-class (debian-verdict '((ml-weights . model)
                                      (ml-weights-license . "CC-BY-NC-SA-4.0")))))
(test-equal "Debian: free model"
  '(accept free)
  (let ((v (debian-verdict '((ml-weights . model)
                             (ml-weights-license . "Apache-2.0")
                             (ml-training-data . free)
                             (ml-training-software . packaged)))))
    (list (ml-verdict-verdict v) (ml-verdict-class v))))
(test-equal "OSAID: rejects missing code" 'reject (verdict 'osaid gnubg-like))
(test-equal "GCD 008: rejects unavailable data" 'reject (verdict 'gcd-008 gnubg-like))
(test-equal "unknown facts ask for review"
  '(review review review review)
  (map ml-verdict-verdict (ml-policy-verdicts '((ml-weights . model)))))
(test-equal "external and unannotated packages are accepted"
  '((accept accept accept accept) (weights-not-shipped) (no-weights))
  (list (map ml-verdict-verdict (ml-policy-verdicts '((ml-weights . external))))
        (ml-verdict-reasons (osaid-verdict '((ml-weights . external))))
        (ml-verdict-reasons (gcd-008-verdict '()))))
(test-equal "policy names" '(guix-2023 debian osaid gcd-008) (map car %ml-policies))
(test-error "unknown policy" #t (ml-policy-verdict 'nope '()))

(define failures (test-runner-fail-count (test-runner-current)))
(test-end "guixml-ml")
(exit (zero? failures))
